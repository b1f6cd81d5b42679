import { randomUUID } from 'node:crypto';

/** One of our data notifications, as WIS2 publish sends it on, for the Argo centre. */
export function ourNotification(dataId: string, pubtime: string, integrity = 'c2FtcGxl'): Record<string, unknown> {
  return {
    id: randomUUID(),
    conformsTo: ['http://wis.wmo.int/spec/wnm/1/conf/core'],
    type: 'Feature',
    geometry: null,
    properties: { data_id: dataId, pubtime, datetime: pubtime, cache: true, integrity: { method: 'sha512', value: integrity } },
    links: [{ rel: 'canonical', type: 'application/x-netcdf', href: `https://data-argo.ifremer.fr/${dataId.split('/').slice(1).join('/')}`, length: 100 }],
  };
}
