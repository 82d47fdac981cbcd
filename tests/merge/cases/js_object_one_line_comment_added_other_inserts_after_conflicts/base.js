const c = {a: 1, b: 2};
