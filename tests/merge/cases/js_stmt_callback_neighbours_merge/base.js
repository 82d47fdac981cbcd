function routes(app) {
  app.get('/', function (req, res) {
    const a = 1;
    const b = 2;
    res.send(a + b);
  });
}
