'use strict';

require('./util');
require('./parser');
require('./socket');
require('./server');
