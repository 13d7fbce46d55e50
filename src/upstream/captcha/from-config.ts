// The live captcha provider the configuration names (OFCONNECT_CAPTCHA_*), or null when none is configured.
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import type { CaptchaProvider } from '../captcha.ts';
import { CAPTCHA_SERVICES } from './services.ts';
import { createTaskApiCaptchaProvider } from './task-api.ts';

export type CaptchaConfig = Pick<
  Config,
  'captchaProvider' | 'captchaApiKey' | 'captchaApiUrl' | 'captchaTimeoutMs' | 'captchaSiteKey' | 'captchaManagedSiteKey'
>;

export function captchaProviderFromConfig(config: CaptchaConfig, logger: Logger): CaptchaProvider | null {
  if (config.captchaProvider === null || config.captchaApiKey === null || config.captchaSiteKey === null) return null;
  const service = CAPTCHA_SERVICES[config.captchaProvider];
  return createTaskApiCaptchaProvider({
    service,
    apiKey: config.captchaApiKey,
    apiUrl: config.captchaApiUrl ?? service.defaultApiUrl,
    timeoutMs: config.captchaTimeoutMs,
    siteKeys: { invisible: config.captchaSiteKey, managed: config.captchaManagedSiteKey ?? config.captchaSiteKey },
    logger,
  });
}
