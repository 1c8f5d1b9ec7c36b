// Cell renderers for dash-ag-grid. CustomerLink shows the cell's value as a link to the row's
// href (the value itself stays plain text, so CSV exports hold names, not markup).
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

dagcomponentfuncs.CustomerLink = function (props) {
  if (!props.data || !props.data.href) {
    return props.value;
  }
  return React.createElement("a", { href: props.data.href }, props.value);
};

// RowLinks: a report row's "Products · Customers" links (params.data.products_href and
// customers_href), the lists behind the row.
dagcomponentfuncs.RowLinks = function (props) {
  if (!props.data || !props.data.products_href) {
    return null;
  }
  return React.createElement("span", null,
    React.createElement("a", { href: props.data.products_href }, "Products"),
    " · ",
    React.createElement("a", { href: props.data.customers_href }, "Customers"));
};
