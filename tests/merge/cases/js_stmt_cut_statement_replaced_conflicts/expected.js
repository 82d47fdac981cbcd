var fs = require('fs')

var fileCache = {}

function send(res, file) {
<<<<<<< ours
  var type = lookup(file)
  if (content = fileCache[file]) {
=======
  var cached, type = lookup(file)
  if (cached = res.cache.get(file))
    return res.end(200, cached)
  fs.stat(file, function (err, stats) {
    if (err) return res.end(404)
    fs.readFile(file, function (err, content) {
>>>>>>> theirs
      res.type(type)
      res.cache.set(file, content)
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
