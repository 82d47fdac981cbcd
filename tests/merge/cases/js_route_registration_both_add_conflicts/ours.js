const app = require('express')();

app.get('/', function (req, res) {
  res.send('home');
});

app.get('/admin/data', function (req, res) {
  res.json(loadSecrets());
});

app.listen(3000);
