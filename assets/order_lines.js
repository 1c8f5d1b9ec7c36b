// The customer page's orders grid: an expanded order's lines (rows with data.order_of) stay
// right under their order, in line order, whatever column the grid is sorted by.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

dagfuncs.linesUnderTheirOrder = function (params) {
  const nodes = params.nodes;
  const lines = {};
  nodes.forEach(function (node) {
    const order = node.data && node.data.order_of;
    if (order) {
      (lines[order] = lines[order] || []).push(node);
    }
  });
  const orders = nodes.filter(function (node) { return !(node.data && node.data.order_of); });
  nodes.length = 0;
  orders.forEach(function (node) {
    nodes.push(node);
    (lines[node.data.row_id] || [])
      .sort(function (a, b) { return a.data.line - b.data.line; })
      .forEach(function (line) { nodes.push(line); });
  });
};
