// Cell renderers for dash-ag-grid. CustomerLink shows the cell's value as a link to the row's
// href (the value itself stays plain text, so CSV exports hold names, not markup).
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

dagcomponentfuncs.CustomerLink = function (props) {
  if (!props.data || !props.data.href) {
    return props.value;
  }
  return React.createElement("a", { href: props.data.href }, props.value);
};
