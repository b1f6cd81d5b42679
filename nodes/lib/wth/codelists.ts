/**
 * Our snapshot of the WIS2 Topic Hierarchy (WTH) codelists, in our own format.
 *
 * Reflects WIS2 Topic Hierarchy 1.3.0 (Manual on WIS, Volume II, Appendix D), as published in
 * the WTH bundle of 2026-08-17 (wmo-im/wis2-topic-hierarchy, branch gh-pages, commit 7e1bd37):
 * the register of centre ids (167 ids: 139 Operational, 21 Pre-operational, 7 Retired) and the
 * earth-system-discipline tree (1,308 topics from level 7 down; the bundle's flattened list has
 * 1,309 rows because `weather/space-based-observations/goes-14/imager` appears twice, once for
 * the GOES Imager and once for the GOES Sounder). That flattened list carries no status, so
 * topic statuses come from the Status column of the per-level codelists of the same
 * repository; a topic without a mark has the status of its parent, and the seven disciplines
 * are Operational.
 *
 * Centre ids change almost weekly and topics grow by fast-track amendments: when the register
 * moves on, update this file (and SNAPSHOT below); the WTH unit tests compare it with the
 * official CSVs and say what differs.
 */

/** Where this snapshot comes from. */
export const SNAPSHOT = {
  standard: 'WIS2 Topic Hierarchy',
  version: '1.3.0',
  bundleDate: '2026-08-17',
  source: 'https://wmo-im.github.io/wis2-topic-hierarchy/wth-bundle.zip',
} as const;

/** Register status of a centre id (column Status of centre-id.csv). */
export type CentreIdStatus = 'Operational' | 'Pre-operational' | 'Retired';

/** Status of a topic in the earth-system-discipline codelists. */
export type TopicStatus = 'Operational' | 'Experimental' | 'Pre-operational' | 'Planned' | 'Retired';

/** Level 1: where notifications come from (channel.csv). */
export const CHANNELS = ['origin', 'cache'] as const;
/** Level 2 (version.csv): changes only with a major version of the WTH. */
export const VERSIONS = ['a'] as const;
/** Level 3 (system.csv). */
export const SYSTEMS = ['wis2'] as const;
/** Level 5 (notification-type.csv). */
export const NOTIFICATION_TYPES = ['data', 'metadata'] as const;
/** Level 6 (data-policy.csv). */
export const DATA_POLICIES = ['core', 'recommended'] as const;

/**
 * Level 4: every registered centre id and its status. `*-test` ids are not registered: the
 * WTH lets test nodes use them (/per/core/centre-id D).
 */
export const CENTRE_IDS: Readonly<Record<string, CentreIdStatus>> = {
  'ae-ncm': 'Operational',
  'ag-antiguamet': 'Operational',
  'ai-metservice': 'Operational',
  'ar-smn': 'Operational',
  'at-geosphere': 'Pre-operational',
  'au-bom': 'Retired',
  'au-imos': 'Operational',
  'bb-barbadosmetservices': 'Operational',
  'bd-bmd': 'Pre-operational',
  'be-rmib': 'Operational',
  'bf-anam': 'Operational',
  'bg-nimh': 'Operational',
  'bi-igebu': 'Operational',
  'bj-meteobenin': 'Operational',
  'bn-bdmd': 'Operational',
  'br-inmet': 'Operational',
  'br-inmet-global-broker': 'Operational',
  'bs-metservice': 'Operational',
  'by-belgidromet': 'Operational',
  'bz-nms': 'Operational',
  'ca-eccc-msc': 'Operational',
  'ca-eccc-msc-global-discovery-catalogue': 'Operational',
  'cg-met': 'Operational',
  'ch-meteoswiss': 'Operational',
  'ci-sodexam': 'Operational',
  'ck-metservice': 'Operational',
  'cl-meteochile': 'Operational',
  'cm-meteocameroon': 'Operational',
  'cn-cma': 'Operational',
  'cn-cma-global-broker': 'Operational',
  'cn-cma-global-cache': 'Operational',
  'cn-cma-global-discovery-catalogue': 'Operational',
  'cn-cma-global-monitor': 'Operational',
  'cn-cma-wis2-to-gts': 'Operational',
  'co-ideam': 'Operational',
  'cr-imn': 'Operational',
  'cu-insmet': 'Operational',
  'cv-inmg': 'Operational',
  'cy-dom': 'Operational',
  'data-metoffice-noaa-global-cache': 'Operational',
  'de-bafg-grdc': 'Pre-operational',
  'de-bafg-ismn': 'Pre-operational',
  'de-dwd': 'Operational',
  'de-dwd-global-cache': 'Operational',
  'de-dwd-global-discovery-catalogue': 'Operational',
  'de-dwd-gts-to-wis2': 'Operational',
  'dj-anm': 'Operational',
  'dk-dmi-opendata': 'Retired',
  'dm-dms': 'Operational',
  'do-indomet': 'Operational',
  'dz-meteoalgerie': 'Operational',
  'ec-inamhi': 'Operational',
  'es-aemet': 'Pre-operational',
  'eu-eumetnet-amdar': 'Operational',
  'eu-eumetnet-climate-observations': 'Pre-operational',
  'eu-eumetnet-femdi': 'Retired',
  'eu-eumetnet-gnss': 'Operational',
  'eu-eumetnet-profiles': 'Operational',
  'eu-eumetnet-surface-observations': 'Pre-operational',
  'eu-eumetnet-warnings': 'Operational',
  'eu-eumetnet-weather-radar': 'Pre-operational',
  'fi-fmi': 'Pre-operational',
  'fr-ifremer-argo': 'Operational',
  'fr-meteofrance': 'Operational',
  'fr-meteofrance-global-broker': 'Operational',
  'gd-metservice': 'Operational',
  'gh-gmet': 'Operational',
  'gn-anm': 'Operational',
  'gn-meteo-guinee-conakry': 'Retired',
  'gy-hydromet': 'Operational',
  'hk-hko': 'Operational',
  'hk-hko-swic': 'Operational',
  'hn-cenaos': 'Operational',
  'id-bmkg': 'Operational',
  'ie-meteireann': 'Pre-operational',
  'il-ims': 'Operational',
  'in-imd': 'Operational',
  'in-ncmrwf': 'Pre-operational',
  'int-ecmwf': 'Operational',
  'int-eumetsat': 'Operational',
  'int-eumetsat-dcs': 'Pre-operational',
  'int-spc': 'Pre-operational',
  'ir-irimo': 'Operational',
  'is-metoffice': 'Pre-operational',
  'it-meteoam': 'Operational',
  'jm-msj': 'Operational',
  'jp-jma': 'Operational',
  'jp-jma-global-cache': 'Operational',
  'jp-jma-gts-to-wis2': 'Operational',
  'ke-meteo': 'Operational',
  'kg-kyrgyzhydromet': 'Operational',
  'km-anacm': 'Operational',
  'kn-metservice': 'Operational',
  'kr-kma': 'Operational',
  'kr-kma-global-cache': 'Operational',
  'ky-cinws': 'Operational',
  'kz-kazhydromet': 'Operational',
  'lc-metservice': 'Operational',
  'lu-meteolux': 'Pre-operational',
  'ly-lnmc': 'Operational',
  'ma-marocmeteo': 'Operational',
  'ma-marocmeteo-global-monitor': 'Operational',
  'ml-malimeteo': 'Operational',
  'ms-metservice': 'Operational',
  'mw-dccms': 'Operational',
  'mx-smn': 'Operational',
  'my-metmalaysia': 'Operational',
  'mz-inam': 'Operational',
  'na-meteona': 'Operational',
  'ng-nimet': 'Operational',
  'nl-knmi-ecad': 'Pre-operational',
  'nl-knmi-nms': 'Pre-operational',
  'np-nepalmet': 'Operational',
  'nu-metservice': 'Operational',
  'nz-metservice': 'Operational',
  'org-woudc': 'Operational',
  'pa-imhpa': 'Operational',
  'pe-senamhi': 'Operational',
  'ph-pagasa': 'Operational',
  'pl-imgw': 'Operational',
  'py-dinac-dmh': 'Operational',
  'ro-meteoromania': 'Pre-operational',
  'rs-rhmz': 'Operational',
  'ru-aviamettelecom': 'Retired',
  'ru-roshydromet': 'Operational',
  'ru-roshydromet-ladnwp': 'Pre-operational',
  'ru-roshydromet-neacc': 'Pre-operational',
  'ru-roshydromet-wmc': 'Pre-operational',
  'rw-rma': 'Operational',
  'sa-ncm': 'Operational',
  'sa-ncm-global-cache': 'Operational',
  'sc-seychelles-met': 'Operational',
  'se-smhi': 'Operational',
  'sg-mss': 'Operational',
  'sg-mss-asmc': 'Operational',
  'sl-slmet': 'Operational',
  'sn-anacim': 'Operational',
  'sr-metservice': 'Operational',
  'ss-ssms': 'Operational',
  'sx-metservice': 'Operational',
  'sz-swazimet': 'Operational',
  'tc-metservice': 'Operational',
  'td-anam': 'Operational',
  'tg-anamet': 'Operational',
  'th-tmd': 'Operational',
  'tk-metservice': 'Operational',
  'tt-trin-met': 'Operational',
  'tz-tma': 'Operational',
  'uk-bas': 'Operational',
  'uk-metoffice': 'Operational',
  'uk-metoffice-globalwave': 'Operational',
  'uk-metoffice-nmc': 'Retired',
  'uk-metoffice-wis2-to-gts': 'Operational',
  'uk-metoffice-wmc': 'Operational',
  'us-cimss': 'Operational',
  'us-noaa-global-broker': 'Operational',
  'us-noaa-nws': 'Operational',
  'us-noaa-synoptic': 'Operational',
  'us-synoptic-uas': 'Retired',
  'us-ucsd-scripps-ldl': 'Operational',
  'uy-inumet': 'Operational',
  'vc-metservice': 'Operational',
  've-inameh': 'Operational',
  'vg-metservice': 'Operational',
  'za-weathersa': 'Operational',
  'zm-zmd': 'Operational',
  'zw-msd': 'Operational',
};

/**
 * Levels 7 and below: the earth-system-discipline tree, one topic per line, two spaces of
 * indentation per level. `name: a b c` is a topic whose children a, b and c are leaves;
 * `name[Status]` marks a topic whose status differs from its parent's. Every discipline has an
 * `experimental` child under which publishers may create their own sub-topics.
 */
export const DISCIPLINE_TREE = `
atmospheric-composition
  advisories-warnings[Experimental]
    air-pollution
    fires
    nuclear-fallout
    ozone-and-ultraviolet-radiation
    sand-and-dust
    volcanic-activity
  experimental
  observations[Experimental]
    aerosol-particles-and-clouds
    atmospheric-processes-and-kinetics
    emissions
    gases: greenhouse-gases ozone reactive-gases
    radiation-latent-heat: ultraviolet-radiation
    surface-flux-densities: dry-deposition precipitation-chemistry
climate
  experimental
  surface-based-observations: daily monthly sub-daily
cryosphere
  experimental
  space-based-observations
    glacier-ice-sheet-ice-shelves
    lake-river-ice
    sea-ice-icebergs
    snow
    solid-precipitation
  surface-based-observations: frozen-ground snow solid-precipitation
hydrology
  experimental
  space-based-observations[Experimental]: soil
  subsurface-based-observations[Experimental]
    water-quantity: groundwater soil
  surface-based-observations[Experimental]
    atmospheric: precipitation
    water-quantity: ice lake reservoir snow stream
ocean
  experimental
  surface-based-observations
    animal-borne-sensors
    autonomous-surface-vehicles
    autonomous-underwater-vehicles
    drifting-buoys
    drifting-ocean-profilers
    fixed-coastal-stations
    fixed-marine-platforms
    moored-buoys-and-moorings
    sea-ice
    ship-sub-surface
    ship-surface
    tsunami-buoys
    wave-buoys
space-weather
  experimental
  space-based-observations
    ace: cris epam mag sepica sis swepam swics swims uleis
    aditya-1: aspex hel1os magnetometer papa solexs suit velc
    arase-erg: hep-e lep-e lep-i mep-e mep-i mgf pwe xep-e
    arctica-m-n1: ggak-e-fm-e ggak-e-gals-e ggak-e-skif-6
    arctica-m-n2: ggak-e-fm-e ggak-e-gals-e ggak-e-skif-6
    artemis-p1: efi esa fgm scm sst
    artemis-p2: efi esa fgm scm sst
    aso-s: fmg hxi lst
    cluster-1: cis edi efw fgm peace rapid staff wbd whisper
    cluster-2: cis edi efw fgm peace rapid staff wbd whisper
    cluster-3: cis edi efw fgm peace rapid staff wbd whisper
    cluster-4: cis edi efw fgm peace rapid staff wbd whisper
    diademe-1: rra
    diademe-2: rra
    dmsp-17: sess-ssi-es-3 sess-ssj5 sess-ssm-boom sess-ssuli sess-ssusi
    dmsp-18: sess-ssi-es-3 sess-ssj5 sess-ssm-boom sess-ssuli sess-ssusi
    dscovr: es fc mag
    electro-l-n2: ggak-e-dir-e ggak-e-gals-e ggak-e-skif-6 ggak-e-skl-e ggak-e-vuss-e
    electro-l-n3: ggak-e-dir-e ggak-e-gals-e ggak-e-skif-6 ggak-e-skl-e ggak-e-vuss-e
    electro-l-n4
      ggak-e-dir-e
      ggak-e-fm-e
      ggak-e-gals-e
      ggak-e-isp-2m
      ggak-e-skif-6
      ggak-e-skl-e
      ggak-e-vuss-e
    formosat-5: aip
    fy-2g: sem sxm
    fy-2h: sem sxm
    fy-3c: sem-hepd sem-ims
    fy-3d: sem-hepd sws-sem-ims sws-wai
    fy-3e: sws-sem-fgm sws-sem-hepd sws-sem-ims sws-tri-ipm xeuvi
    fy-4a: sep-fields sep-heps
    fy-4b: fgm sep-fields sep-heps sep-leps sep-meps
    fy-4c: sep-fields sep-heps sep-leps sep-meps suvi sxeuv sxus
    fy-4d: sep-fields sep-heps sep-leps sep-meps suvi sxeuv sxus
    fy-4e: sep-fields sep-heps sep-leps sep-meps suvi sxeuv sxus
    galileo: emu
    geo-kompsat-2a: ksem-cm ksem-mag ksem-pd
    goes-14: sem-eps sem-hepad sem-mag sem-xrs-euv sxi
    goes-16: exis seiss-ehis seiss-mps seiss-sgps sem-mag suvi
    goes-17: exis seiss-ehis seiss-mps seiss-sgps sem-mag suvi
    goes-18: exis seiss-ehis seiss-mps seiss-sgps sem-mag suvi
    grace-fo: superstar
    icon: euv fuv ivm
    iris: iris
    iss-gari: gari
    jason-3: carmen lpt
    lemur-2: stratos
    mats: mats
    meteor-m-n2: ggak-e-gals-e ggak-e-skif-6 ggak-m-rims-m
    meteor-m-n2-2: ggak-e-gals-e ggak-e-skif-6 ggak-m-rims-m
    meteor-m-n2-3: ggak-e-gals-e ggak-e-skif-6 ggak-m-rims-m
    meteor-m-n2-4: ggak-e-gals-e ggak-e-skif-6 ggak-m-rims-m
    metop-b: sem-meped sem-ted
    metop-c: sem-meped sem-ted
    mms-a: afg dfg dp edi eis feeps fpi hpca scm
    mms-b: afg dfg dp edi eis feeps fpi hpca scm
    mms-c: afg dfg dp edi eis feeps fpi hpca scm
    mms-d: afg dfg dp edi eis feeps fpi hpca scm
    noaa-15: sem-meped sem-ted
    noaa-18: sem-meped sem-ted
    noaa-19: sem-meped sem-ted
    parker-solar-probe: fields isis-epi sweapi wispr
    proba-2: dslp lyra swap tpmu
    sdo: aia eve hmi
    sich-2-30: potential
    soho: cds celias costep eit erne golf lasco mdi sem sumer swan uvcs virgo
    solar-b: eis sot xrt
    solar-orbiter: epd eui mag metis phi rpw solohi spice stix swa
    starlette: lr
    stella: lr
    stereo-a
      impact-mag
      impact-sep
      impact-ste
      impact-swea
      plastic
      s-waves
      secchi-cor-1
      secchi-cor-2
      secchi-euvi
      secchi-hi-1
      secchi-hi-2
    swarm-a: acc asm efi vfm
    swarm-b: acc asm efi vfm
    swarm-c: acc asm efi vfm
    tempo: tempo
    themis-a: efi esa fgm scm sst
    themis-d: efi esa fgm scm sst
    themis-e: efi esa fgm scm sst
    tianmu-1: tianmu-receiver
    timed: guvi saber see tidi
    triton: gpsr
    venus: vssc
    wind: epact mfi plasma sms swe tgrs waves
    worldview-3: wv110
    xmm-newton: epic om rgs
weather
  advisories-warnings
  aviation: metar qvaci taf
  experimental
  maritime-safety-information[Experimental]: forecasts sea-ice-information warnings
  prediction
    analysis
      medium-range
        deterministic: global limited-area
        probabilistic: global limited-area
      nowcasting
        deterministic: global limited-area
        probabilistic: global limited-area
      seasonal
        deterministic: global limited-area
        probabilistic: global limited-area
      short-range
        deterministic: global limited-area
        probabilistic: global limited-area
      subseasonal
        deterministic: global limited-area
        probabilistic: global limited-area
    forecast
      medium-range
        deterministic: global limited-area trajectory
        probabilistic: global limited-area trajectory
      nowcasting
        deterministic: global limited-area
        probabilistic: global limited-area
      seasonal
        deterministic: global limited-area
        probabilistic: global limited-area
      short-range
        deterministic: global limited-area trajectory
        probabilistic: global limited-area trajectory
      subseasonal
        deterministic: global limited-area
        probabilistic: global limited-area
    hindcast
      medium-range
        deterministic: global limited-area
        probabilistic: global limited-area
      seasonal
        deterministic: global limited-area
        probabilistic: global limited-area
      short-range
        deterministic: global limited-area
        probabilistic: global limited-area
      subseasonal
        deterministic: global limited-area
        probabilistic: global limited-area
    reanalysis
      medium-range
        deterministic: global limited-area
        probabilistic: global limited-area
      seasonal
        deterministic: global limited-area
        probabilistic: global limited-area
      short-range
        deterministic: global limited-area
        probabilistic: global limited-area
      subseasonal
        deterministic: global limited-area
        probabilistic: global limited-area
  space-based-observations
    alos-2: palsar-2
    alsat-2b: naomi
    altius: altius
    amazonia-1: awfi
    aqua: airs amsr-e amsu-a ceres hsb modis
    arctica-m-n1: msu-gs-a
    arctica-m-n2: msu-gs-a
    asnaro-2: xsar
    aura: hirdls mls omi tes-limb tes-nadir
    aws1: eps-sterna-radiometer
    cartosat-2c: hrmx
    cartosat-2d: hrmx
    cartosat-2e: hrmx
    cartosat-2f: hrmx
    cartosat-3: mx
    cas-500-1: aeiss-hr
    cbers-4: irmss-2 muxcam panmux wfi-2
    cbers-4b: irmss-2 muxcam panmux wfi-2
    cfosat: cscat swim
    cicero: cion
    cicero-2: cion-2
    co2m-a: clim co2i-no2i map
    cosmic-2: rfb tgrs vidi
    cryosat-2: siral
    csar-1: sar-c
    csar-2: sar-c
    csg-1: csg-sar
    csg-2: csg-sar
    csk-1: sar-2000
    csk-2: sar-2000
    csk-3: sar-2000
    csk-4: sar-2000
    ctim-fd: ctim-fd
    cygnss: ddmi
    deimos-2: hirais
    dmsp-17: ols ssmis
    dmsp-18: ols ssmis
    dq-1: acdl dpc-2 emi-2 posp
    dscovr: nistar
    dubaisat-3: khcs
    egyptsat-a: msi
    electro-l-n2: msu-gs
    electro-l-n3: msu-gs
    electro-l-n4: msu-gs
    enmap: hsi
    eos-01: sar-x
    eos-04: sar-c
    eos-06: ocm oscat-3
    eos-07: mhs
    formosat-5: rsi
    fy-2g: s-vissr
    fy-2h: s-vissr
    fy-3c: erm-1 gnos mersi-1 mwhs-2 mwri-1 mwts-2 sbus sim-1 tou virr
    fy-3d: gas gnos hiras mersi-2 mwhs-2 mwri-1 mwts-2 sws-ipm
    fy-3e: gnos-2 hiras-2 mersi-ll mwhs-2 mwts-3 sim-2 ssim windrad
    fy-3f: erm-2 gnos-2 hiras-2 mersi-3 mwhs-2 mwri-2 mwts-3 oms-limb oms-nadir sim-2 windrad
    fy-3g: gnos-2 haoc mwri-rm pmai pmr
    fy-4a: agri giirs lmi
    fy-4b: agri ghi giirs-2
    fy-4c: musi
    fy-4d: musi
    fy-4e: musi
    gcom-c: sgli
    gcom-w: amsr2
    geo-kompsat-2a: ami
    geo-kompsat-2b: gems goci-ii
    gf-12: sar-c
    gf-12-02: sar-c
    gf-12-03: sar-c
    gf-12-04: sar-c
    gf-3: sar-c
    gf-5-01a: aius dpc emi gmi
    gf-5-02: aius dpc emi gmi
    ghgsat: ghgsat-spectrometer
    gnomes-2: pyxis-ro
    gnomes-3: pyxis-ro
    gnomes-4: pyxis-ro
    goes-14: imager
    goes-16: abi glm
    goes-17: abi glm
    goes-18: abi glm
    gosat: tanso-cai tanso-fts
    gosat-2: tanso-cai2 tanso-fts2
    gpm-core: dpr gmi
    grace-fo: hairs tri-g
    hai-yang-1c: cocts czi uvi
    hai-yang-1d: cocts czi uvi
    hai-yang-1e: cocts2 czi2 pmris
    hai-yang-2b: alt hscat lra mwri
    hai-yang-2c: alt hscat lra
    hai-yang-2d: alt hscat lra
    himawari-8: ahi
    himawari-9: ahi
    hj-2a: hsi-2 irmss-2 wvc-2
    hj-2b: hsi-2 irmss-2 wvc-2
    hj-2e: sar-s
    hj-2f: sar-s
    hrmis: hrc smac
    hysis: hysis
    icesat-2: atlas lra
    icon: mighti
    insat-3d: imager
    insat-3dr: imager
    insat-3ds: imager
    iss-asim: mxgs
    iss-cowvr: cowvr
    iss-desis: desis
    iss-emit: emit
    iss-hisui: hisui
    iss-oco-3: oco-iss-spectrometer
    iss-sage-iii: sage-iii
    iss-tempest-1: mm-radiometer
    iss-tsis-1: tsis
    jason-3: lra poseidon-3b
    kanopus-v-ik-1: mss
    kanopus-v3: mss
    kanopus-v4: mss
    kanopus-v5: mss
    kanopus-v6: mss
    kompsat-2: msc
    kompsat-3: aeiss
    kompsat-3a: aeiss
    kompsat-5: aopod cosi
    lageos-1: lra
    lageos-2: lra
    landsat-8: oli tirs
    landsat-9: oli tirs
    lares-1: lra
    lares-2: lra
    lemur-2: stratos
    ludi-tance-1-01a: l-band-sar
    ludi-tance-1-01b: l-band-sar
    ludi-tance-4-01a: l-band-sar
    meteor-m-n2: ikfs-2 ikor-m kmss msu-mr mtvza-gy severjanin-m
    meteor-m-n2-2: ikfs-2 ikor-m kmss msu-mr mtvza-gy severjanin-m
    meteor-m-n2-3: ikfs-2 kmss msu-mr mtvza-gy severjanin-m
    meteor-m-n2-4: ikfs-2 ikor-m kmss meteosar msu-mr mtvza-gy
    meteosat-10: gerb seviri
    meteosat-11: gerb seviri
    meteosat-12: fci li
    meteosat-13: irs uvn
    meteosat-9: gerb seviri
    metop-b: amsu-a ascat avhrr-3 gome-2 gras hirs-4 iasi mhs
    metop-c: amsu-a ascat avhrr-3 gome-2 gras iasi mhs
    metop-d: 3mi iasi-ng metimage ro s5-uvns
    metop-sga1: 3mi iasi-ng metimage ro s5-uvns
    microcarb[Experimental]: microcarb
    nachos-1: nachos
    nachos-2: nachos
    noaa-15: amsu-a amsu-b avhrr-3
    noaa-18: amsu-a avhrr-3 hirs-4 mhs sbuv-2
    noaa-19: amsu-a avhrr-3 hirs-4 mhs sbuv-2
    noaa-20: atms ceres cris omps-nadir viirs
    noaa-21: atms cris omps-limb omps-nadir viirs
    novasar-s: s-sar
    oceansat-3: argos-4 ocm oscat-3
    oco-2: oco-spectrometer
    odin: osiris smr
    pace: harp2 oci spexone
    paz: lrr rohpp sar-x
    pleiades-neo-3: pleiades-neo
    pleiades-neo-4: pleiades-neo
    pretty: gnss-r
    prisma: hyc
    proba-1: chris hrc
    proba-v-cc: vegetation-p
    quicksounder: atms
    radarsat-2: sar
    rcm-1: sar-rcm
    rcm-2: sar-rcm
    rcm-3: sar-rcm
    resourcesat-2: awifs liss-3 liss-4
    resourcesat-2a: awifs liss-3 liss-4
    risat-2b: sar-x
    risat-2br1: sar-x
    saocom-1a: sar-l
    saocom-1b: sar-l
    saral: altika lra
    scisat-1: ace-fts maestro
    sdgsat-1: glimmer msi tir
    sentinel-1a: sar-c
    sentinel-1c: sar-c
    sentinel-1d: sar-c
    sentinel-2a: msi
    sentinel-2b: msi
    sentinel-3a: olci slstr sral
    sentinel-3b: olci slstr sral
    sentinel-5p: tropomi
    sentinel-6a: gnss-ro lra poseidon-4
    sentinel-6b: gnss-ro lra poseidon-4
    seosar-paz: rohpp sar-x
    sich-2-30: mbei
    smap: smap
    smos: miras
    snpp: atms ceres cris omps-limb omps-nadir viirs
    spot-6: naomi
    spot-7: naomi
    sstl-s1-1: vhri-100
    sstl-s1-2: vhri-100
    sstl-s1-3: vhri-100
    sstl-s1-4: vhri-100
    swot: gps karin lra poseidon-3c
    tandem-x: sar-x tor
    terra: aster ceres misr modis mopitt
    terrasar-x: sar-x tor
    th-1c: ms
    theos-1: ms
    theos-2-main: ms
    tianmu-1[Experimental]: tgnos-m
    tomorrow[Experimental]: tms
    tropics-01: tms
    tropics-03: tms
    tropics-05: tms
    tropics-06: tms
    tropics-07: tms
    wsf-m1: ecp mwi
    zy-3-02: msc
    zy-3-03: msc
  surface-based-observations
    amdar[Experimental]
    fixed-marine-platforms
    gnss-iwv[Experimental]
    ship
    synop
    temp
    temp-ship
    temperature-profile-radar
    uas[Experimental]
    vertical-profilers[Experimental]
    weather-radar[Experimental]
    wind-profile
    wind-profile-radar
    wind-profile-ship
`;

/**
 * Topics renamed or removed by WTH 1.1.0 (2024-10-22): old name -> what replaced it, so the
 * validator can name the successor instead of guessing from spelling alone.
 */
export const RENAMED_TOPICS: Readonly<Record<string, string>> = {
  'ocean/surface-based-observations/ocean-profilers': 'ocean/surface-based-observations/drifting-ocean-profilers',
  'ocean/surface-based-observations/moored-buoys': 'ocean/surface-based-observations/moored-buoys-and-moorings',
  'ocean/surface-based-observations/gliders': 'ocean/surface-based-observations/autonomous-underwater-vehicles',
  'ocean/surface-based-observations/sea-level': 'ocean/surface-based-observations/fixed-coastal-stations',
};
