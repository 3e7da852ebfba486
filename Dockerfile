# Build stage: install everything, compile TypeScript and bundle the console.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages ./packages
COPY services ./services
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

# Run stage: compiled output and production dependencies only, as a non-root user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
# The audit key and checkpoint file's volume (compose: quorumd-files): a new named volume takes this owner.
RUN mkdir -p /var/lib/quorumd && chown node:node /var/lib/quorumd
USER node
EXPOSE 8080
CMD ["node", "services/api/dist/server.js"]
