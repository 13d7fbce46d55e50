// The branded client app the Link page tests show (display name, brand colour, logo, permissions, privacy and terms
// links): one body, so every page test means the same app when it says "Fan CRM".
export const BRANDED_APP_PROFILE = { privacyPolicyUrl: 'https://fancrm.example/privacy', termsUrl: 'https://fancrm.example/terms' };

/** POST /v2/client-apps's body for the branded redirect app, with the logo given (its weight matters to some tests). */
export function brandedAppBody(logo: Buffer, callback: string) {
  return {
    name: 'crm-prod',
    displayName: 'Fan CRM',
    brandColor: '#ff5a1f',
    logo: { data: logo.toString('base64') },
    integrationType: 'redirect',
    redirectUris: [callback],
    permissions: ['profile:read', 'messages:read'],
    profile: BRANDED_APP_PROFILE,
  };
}
