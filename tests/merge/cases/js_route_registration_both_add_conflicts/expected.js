const app = require('express')();

app.get('/', function (req, res) {
  res.send('home');
});

<<<<<<< ours
app.get('/admin/data', function (req, res) {
  res.json(loadSecrets());
});

=======
app.use('/admin', function (req, res, next) {
  if (!req.user) return res.status(401).end();
  next();
});

>>>>>>> theirs
app.listen(3000);
