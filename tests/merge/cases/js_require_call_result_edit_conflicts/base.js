'use strict';

require('./util');
require('./parser')(opts);
require('./server');
