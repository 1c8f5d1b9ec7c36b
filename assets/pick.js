// Cross-filter picks on the Sales by Customer bar chart. Plotly's click and selection events do
// not say which keys were held, so a capturing mousedown listener remembers Ctrl / Shift / ⌘,
// and one clientside function turns a click or a box / lasso selection into a pick event
// (kept in a store for the server callback), then clears clickData so that clicking the same
// bar again is an event too.
window.salesPickModifier = false;
document.addEventListener(
  "mousedown",
  function (event) {
    window.salesPickModifier = event.ctrlKey || event.metaKey || event.shiftKey;
  },
  true
);
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  sales: {
    pick: function (click, box) {
      var noUpdate = window.dash_clientside.no_update;
      var triggered = window.dash_clientside.callback_context.triggered;
      var prop = triggered.length ? triggered[0].prop_id : "";
      var isClick = prop.endsWith(".clickData");
      var data = isClick ? click : box;
      if (!data || !data.points) {
        return [noUpdate, noUpdate];
      }
      var customers = data.points
        .map(function (p) { return Array.isArray(p.customdata) ? p.customdata[0] : p.customdata; })
        .filter(function (c) { return typeof c === "string"; });
      if (!customers.length) {
        // an empty selection: plotly sends one when the server redraws the chart; not a pick
        return [noUpdate, noUpdate];
      }
      var pick = {
        event: isClick ? "click" : "box",
        customers: customers,
        add: window.salesPickModifier,
        at: Date.now()
      };
      return [pick, isClick ? null : noUpdate];
    }
  }
});
