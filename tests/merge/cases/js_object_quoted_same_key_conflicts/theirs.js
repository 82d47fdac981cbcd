function connect(opts) {
  const client = new Client({
    host: opts.host,
    port: opts.port,
    "timeout": 20,
  });
  return client;
}
