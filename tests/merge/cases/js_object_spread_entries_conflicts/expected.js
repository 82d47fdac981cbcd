function options(user) {
  return {
    mode: 'fast',
    ...user,
<<<<<<< ours
    retries: 1,
=======
    verbose: true,
>>>>>>> theirs
  };
}
