function options(user) {
  return {
    mode: 'fast',
    ...user,
    retries: 1,
  };
}
