const app = require('express')();

app.get('/', function (req, res) {
  res.send('home');
});

app.listen(3000);
