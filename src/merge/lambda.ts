/**
 * The merger's Lambda entry: `index.handler` of the self-contained bundle scripts/build.mjs makes
 * in dist/merger-lambda (with the AWS SDK X-Ray client inside), which the CDK construct deploys
 * and the `xray-dd-merge-merger` layer carries.
 */

export { mergeHandler as handler } from './scheduled.ts';
