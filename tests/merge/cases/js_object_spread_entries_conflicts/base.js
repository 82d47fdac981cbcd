function options(user) {
  return {
    mode: 'fast',
    ...user,
  };
}
