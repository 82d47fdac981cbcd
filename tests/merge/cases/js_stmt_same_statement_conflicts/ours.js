const fs = require('fs');

function run(n) {
  let total = 0;
  const step = 2;
  console.log('start');
  for (let i = 0; i < n; i++) {
    total += i * step;
  }
  console.log('done', total);
  return total + 1;
}

app.get('/', function (req, res) {
  const a = 1;
  const b = 2;
  res.send(a + b);
});

module.exports = { run };
