function connect(opts) {
  const client = new Client({
    host: opts.host,
    port: opts.port,
    user: opts.user,
  });
  client.on('error', onError);
  return client;
}
