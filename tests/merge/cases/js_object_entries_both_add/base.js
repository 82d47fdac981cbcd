const defaults = {
  name: 'app',
  port: 80,
  'retries': 3,
};

function start(opts) {
  return Object.assign({}, defaults, opts);
}
