'use strict';

<<<<<<< ours
require('./parser')(opts);
=======
require('./util');
require('./parser')(opts, true);
>>>>>>> theirs
require('./server');
