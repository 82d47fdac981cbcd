'use strict';

require('./socket');
require('./server');
require('./client');
