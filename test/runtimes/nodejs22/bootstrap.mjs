// Starts the nodejs22.x runtime client (aws-lambda-ric 3.x) the way Lambda's own bootstrap does:
// the app root from LAMBDA_TASK_ROOT and the handler from _HANDLER (the package's `bin` takes the
// handler from argv and the app root from the working directory instead).
import { run } from 'aws-lambda-ric';

await run(process.env.LAMBDA_TASK_ROOT, process.env._HANDLER);
