function connect(opts) {
  const client = new Client({
    host: opts.host,
    port: opts.port,
    user: opts.user,
    timeout: opts.timeout,
    keepAlive() { return true; },
  });
  client.on('error', onError);
  return client;
}
