// A grid's rows come from the server as columns (field -> values: each field's name once, see
// views/tables.py grid_columns); here they become the records AG Grid takes, in the browser.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  grids: {
    rows: function (columns) {
      if (!columns) {
        return window.dash_clientside.no_update;
      }
      var fields = Object.keys(columns);
      var count = fields.length ? columns[fields[0]].length : 0;
      var rows = new Array(count);
      for (var i = 0; i < count; i++) {
        var row = {};
        for (var j = 0; j < fields.length; j++) {
          row[fields[j]] = columns[fields[j]][i];
        }
        rows[i] = row;
      }
      return rows;
    },
  },
});
