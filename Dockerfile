# Outcall's API and worker image (docker-compose.yml runs it as both). TypeScript runs through tsx,
# as in development, so the image is the source tree plus production dependencies.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    OUTCALL_DATA_DIR=/app/.data \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# Dependencies first, so source edits do not invalidate this layer.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .
# SPEC §9: the dashboard's static files (dist/dashboard), served by the API at /.
RUN npm run build && mkdir -p /app/.data && chown node:node /app/.data

USER node
EXPOSE 3000
CMD ["npm", "run", "start:api"]
