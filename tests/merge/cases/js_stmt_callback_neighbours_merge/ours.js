function routes(app) {
  app.get('/', function (req, res) {
    const a = 10;
    const b = 2;
    res.send(a + b);
  });
}
