'use strict';

require('./parser');
require('./socket');
require('./server');
