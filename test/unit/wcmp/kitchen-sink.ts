import { goodRecord } from './helpers';

/**
 * A record that uses every part of the schema none of the official records uses: security
 * schemes of each kind, distribution samples and documentation, contact logos, phones and
 * links, additional extents, link templates, status, external ids and every geometry type. The
 * schema comparison mutates it along with the official records.
 */
export function kitchenSink(): Record<string, unknown> {
  const record = goodRecord();
  record.geometry = {
    type: 'GeometryCollection',
    geometries: [
      { type: 'Point', coordinates: [2.35, 48.85, 35] },
      { type: 'MultiPoint', coordinates: [[0, 0], [1, 1]] },
      { type: 'LineString', coordinates: [[0, 0], [1, 1]] },
      { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] },
      {
        type: 'MultiPolygon',
        coordinates: [
          [
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[2, 2], [2, 4], [4, 4], [4, 2], [2, 2]],
          ],
          [[[20, 20], [30, 20], [30, 30], [20, 20]]],
        ],
      },
      { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [5, 5] }] },
    ],
  };
  record.additionalExtents = {
    spatial: { bbox: [[-10, -10, 10, 10], [-10, -10, 0, 10, 10, 100]], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84', name: 'WGS 84' },
    temporal: { interval: [['2020-01-01T00:00:00Z', null]], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian', values: ['R12/2022-01-14T09:00Z/PT1H', null] },
    vertical: { interval: [['2', '100']], vrs: 'VERTCS["WGS_1984"]', values: ['2/100'] },
    custom: [{ id: 'members', interval: [['0', '50']], reference: 'https://en.wikipedia.org/wiki/Percentile', values: ['25', null] }],
  };
  const props = record.properties as Record<string, unknown>;
  props.keywords = ['ocean', 'temperature'];
  props.version = '1.0';
  props.rights = 'Users are granted free and unrestricted access to this data.';
  props.externalIds = [{ scheme: 'https://doi.org', value: '10.17882/42182' }];
  props['wmo:status'] = { id: 'operational', title: 'Operational', url: 'https://example.org/status' };
  props.contacts = [
    {
      identifier: 'ifremer',
      name: 'Coriolis data centre',
      position: 'Operator',
      organization: 'Ifremer',
      logo: { href: 'https://example.org/logo.png', rel: 'icon', type: 'image/png', title: 'Logo' },
      phones: [{ value: '+33298224040', roles: ['work'] }],
      emails: [{ value: 'argo@example.org', roles: ['work'] }],
      addresses: [{ deliveryPoint: ['1625 route de Sainte-Anne'], city: 'Plouzané', administrativeArea: 'Bretagne', postalCode: '29280', country: 'FRA', roles: ['office'] }],
      links: [{ href: 'https://www.ifremer.fr', rel: 'about', type: 'text/html', created: '2020-01-01T00:00:00Z', profile: ['x'] }],
      hoursOfService: '9-17',
      contactInstructions: 'by email',
      roles: ['host'],
    },
  ];
  const links = record.links as Record<string, unknown>[];
  links.push({
    rel: 'service',
    type: 'application/json',
    href: 'https://api.example.org/argo',
    hreflang: 'en',
    length: 100,
    security: {
      key: { type: 'apiKey', name: 'X-API-Key', in: 'header', description: 'Ask the help desk for a key' },
      token: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token from the portal' },
      basic: { type: 'http', scheme: 'basic', description: 'Account from the portal' },
      oauth: {
        type: 'oauth2',
        description: 'Log in with the portal',
        flows: {
          implicit: { authorizationUrl: 'https://auth.example.org/a', scopes: { read: 'read' } },
          password: { tokenUrl: 'https://auth.example.org/t' },
          clientCredentials: { tokenUrl: 'https://auth.example.org/t', refreshUrl: 'https://auth.example.org/r' },
          authorizationCode: { authorizationUrl: 'https://auth.example.org/a', tokenUrl: 'https://auth.example.org/t', 'x-extra': 1 },
        },
      },
      oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://auth.example.org/.well-known/openid-configuration', description: 'Single sign-on' },
      shared: { $ref: '#/components/securitySchemes/key', description: 'See the API key scheme' },
    },
    distribution: {
      availableFormats: [
        {
          name: 'netcdf',
          description: 'Argo NetCDF',
          numberOFiles: '350 per day',
          typicalFilesize: '680100',
          typicalFilename: 'BR4903659_010.nc',
          samples: [{ href: 'https://data.example.org/sample.nc', rel: 'item', type: 'application/netcdf' }],
          documentation: [{ href: 'https://doi.org/10.13155/29825', rel: 'describedby', title: 'Argo user manual', length: 1 }],
        },
      ],
    },
  });
  links.push({ rel: 'license', href: 'https://creativecommons.org/licenses/by/4.0/', type: 'text/html' });
  links.push({ rel: 'cite-as', href: 'https://doi.org/10.17882/42182' });
  record.linkTemplates = [
    {
      rel: 'items',
      type: 'text/html',
      uriTemplate: 'https://data.example.org/{yyyymmdd}/',
      varBase: '/variables/',
      variables: { yyyymmdd: { type: 'string' } },
      updated: '2020-01-01T00:00:00Z',
    },
  ];
  return record;
}
