const defaults = {
  name: 'app',
  port: 8080,
  timeout: 30,
  retries: 3,
};

function start(opts) {
  return Object.assign({}, defaults, opts);
}
