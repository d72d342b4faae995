import { patternExamplesSuite } from './pattern-examples.suite.js';
import { relationalSuite } from './relational.suite.js';
import { rulesSuite } from './rules.suite.js';
import { engineRunner } from './runner.js';

patternExamplesSuite('engine', engineRunner());
patternExamplesSuite('engine with 5 s of allowed lateness', engineRunner({ lateness: 5000 }));
rulesSuite('engine', engineRunner());
relationalSuite('engine', engineRunner());
relationalSuite('engine with 5 s of allowed lateness', engineRunner({ lateness: 5000 }), { lateness: true });
