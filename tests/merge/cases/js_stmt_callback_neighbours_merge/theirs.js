function routes(app) {
  app.get('/', function (req, res) {
    const a = 1;
    const b = 20;
    res.send(a + b);
  });
}
