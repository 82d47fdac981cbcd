var fs = require('fs')

function send(res, file) {
  var cached, type = lookup(file)
  if (cached = res.cache.get(file))
    return res.end(200, cached)
  fs.stat(file, function (err, stats) {
    if (err) return res.end(404)
    fs.readFile(file, function (err, content) {
      res.type(type)
      res.cache.set(file, content)
      res.end(200, content)
    })
  })
}

module.exports = send
