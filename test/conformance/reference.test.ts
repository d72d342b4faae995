import { runReference } from '../reference/engine.js';
import { patternExamplesSuite } from './pattern-examples.suite.js';
import { relationalSuite } from './relational.suite.js';
import { rulesSuite } from './rules.suite.js';

patternExamplesSuite('reference', runReference);
rulesSuite('reference', runReference);
relationalSuite('reference', runReference);
