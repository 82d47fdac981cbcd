'use strict';

require('./parser')(opts);
require('./server');
