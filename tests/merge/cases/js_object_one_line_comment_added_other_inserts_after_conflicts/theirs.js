const c = {a: 1, z: 0, b: 2};
