#!/bin/bash
# Copy the worktree (source + tests + configs) to /tmp/htcp/hand for hand-applied mutants.
cd /work/wt/tcp
rm -rf /tmp/htcp/hand && mkdir -p /tmp/htcp/hand
tar --exclude=./node_modules --exclude='./.stryker-tmp*' --exclude=./reports --exclude=./.git --exclude=./fixtures -cf - . | tar -xf - -C /tmp/htcp/hand
ln -sfn /work/wt/tcp/fixtures /tmp/htcp/hand/fixtures
ln -sfn /work/main/node_modules /tmp/htcp/hand/node_modules
