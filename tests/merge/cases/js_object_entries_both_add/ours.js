const defaults = {
  name: 'app',
  port: 80,
  host: 'localhost',
  'retries': 3,
};

function start(opts) {
  return Object.assign({}, defaults, opts);
}
