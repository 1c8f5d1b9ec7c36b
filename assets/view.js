// The export buttons follow the page's view: each downloads /export/<screen>.<format> with the
// view's query (the grid's state included), exactly what the screen shows. In the browser: it
// only moves text, so it costs the server no request.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  view: {
    exportLinks: function (query, links) {
      return (links || []).map(function (link) {
        return "/export/" + link.screen + "." + link.format + (query || "");
      });
    },
  },
});
