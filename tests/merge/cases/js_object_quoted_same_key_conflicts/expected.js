function connect(opts) {
  const client = new Client({
    host: opts.host,
    port: opts.port,
<<<<<<< ours
    timeout: 10,
=======
    "timeout": 20,
>>>>>>> theirs
  });
  return client;
}
