'use strict';

require('./util');
require('./socket');
require('./server');
require('./client');
