var fs = require('fs')

var fileCache = {}

function send(res, file) {
  var type = lookup(file)
  if (content = fileCache[file]) {
      res.type(type)
      res.end(200, content)
  }
  else {
    fs.stat(file, function (err, stats) {
      if (err) return res.end(404)
      fs.readFile(file, function (err, content) {
        fileCache[file] = content
        res.type(type)
        res.end(200, content)
      })
    })
  }
}

module.exports = send
