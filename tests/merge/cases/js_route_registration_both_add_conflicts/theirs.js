const app = require('express')();

app.get('/', function (req, res) {
  res.send('home');
});

app.use('/admin', function (req, res, next) {
  if (!req.user) return res.status(401).end();
  next();
});

app.listen(3000);
