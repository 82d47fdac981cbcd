var fs = require('fs')

function send(res, file) {
  var type = lookup(file)
  fs.stat(file, function (err, stats) {
    if (err) return res.end(404)
    fs.readFile(file, function (err, content) {
      res.type(type)
      res.end(200, content)
    })
  })
}

module.exports = send
