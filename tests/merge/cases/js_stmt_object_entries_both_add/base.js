function connect(opts) {
  const client = new Client({
    host: opts.host,
    port: opts.port,
  });
  client.on('error', onError);
  return client;
}
