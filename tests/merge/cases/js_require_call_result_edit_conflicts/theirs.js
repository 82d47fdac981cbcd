'use strict';

require('./util');
require('./parser')(opts, true);
require('./server');
