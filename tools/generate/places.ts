// Where people work: one legal entity per country, with plausible cities, post codes,
// street formats and phone numbers. Phone numbers come from ranges set aside for fiction
// (Ofcom's 020 7946 0xxx and 07700 900xxx, ARCEP's 01 99 00, North America's 555-01xx)
// wherever such a range exists, so a sample never rings a real person.
import type { Random } from './random.js';

export interface City {
  name: string;
  postCode: (r: Random) => string;
}

export interface CountryProfile {
  /** As the HR system writes it; the sample mapping looks it up to an ISO code. */
  name: string;
  iso: string;
  company: string;
  weight: number;
  cities: readonly City[];
  street: (r: Random) => string;
  officePhone: (r: Random) => string;
  mobilePhone: (r: Random) => string;
}

const UK_INWARD = 'ABDEFGHJLNPQRSTUWXYZ';
const ukPostCode =
  (outward: readonly string[]) =>
  (r: Random): string =>
    `${r.pick(outward)} ${r.int(1, 9)}${UK_INWARD[r.int(0, UK_INWARD.length - 1)]}${UK_INWARD[r.int(0, UK_INWARD.length - 1)]}`;
const range =
  (from: number, to: number, width = 5) =>
  (r: Random): string =>
    String(r.int(from, to)).padStart(width, '0');
const nlPostCode =
  (from: number, to: number) =>
  (r: Random): string =>
    `${r.int(from, to)} ${String.fromCharCode(65 + r.int(0, 25))}${String.fromCharCode(65 + r.int(0, 25))}`;

export const COUNTRIES: readonly CountryProfile[] = [
  {
    name: 'United Kingdom',
    iso: 'GB',
    company: 'Contoso Ltd',
    weight: 35,
    cities: [
      { name: 'London', postCode: ukPostCode(['EC1A', 'SW1A', 'N1', 'E14', 'W1D', 'SE1']) },
      { name: 'Manchester', postCode: ukPostCode(['M1', 'M4', 'M15']) },
      { name: 'Edinburgh', postCode: ukPostCode(['EH1', 'EH3', 'EH8']) },
      { name: 'Bristol', postCode: ukPostCode(['BS1', 'BS8']) },
      { name: 'Leeds', postCode: ukPostCode(['LS1', 'LS2', 'LS6']) },
    ],
    street: (r) => {
      const street = `${r.int(1, 240)} ${r.pick(['High Street', 'Station Road', 'Church Lane', 'Victoria Road', 'Mill Lane', "Queen's Road", "King's Parade", 'Albert Embankment'])}`;
      return r.weighted<string>([
        [street, 6],
        [`Flat ${r.int(1, 30)}, ${street}`, 3],
        [`${r.pick(['Riverside House', 'The Old Mill', 'Unit 4'])}, ${street}`, 1],
      ]);
    },
    officePhone: (r) => `+44 20 7946 0${r.digits(3)}`,
    mobilePhone: (r) => `+447700900${r.digits(3)}`,
  },
  {
    name: 'United States',
    iso: 'US',
    company: 'Contoso, Inc.',
    weight: 20,
    cities: [
      { name: 'Seattle', postCode: range(98101, 98199) },
      { name: 'Redmond', postCode: () => '98052' },
      { name: 'New York', postCode: range(10001, 10282) },
      { name: 'Austin', postCode: range(78701, 78759) },
      { name: 'Chicago', postCode: range(60601, 60661) },
    ],
    street: (r) => {
      const street = `${r.int(10, 4999)} ${r.pick(['Main Street', 'Pine Street', 'Oak Avenue', 'Terry Avenue North', 'Lakeshore Drive', 'Congress Avenue'])}`;
      return r.weighted<string>([
        [street, 6],
        [`${street}, Suite ${r.int(1, 30)}00`, 3],
        [`${street}, Apt ${r.int(1, 20)}${r.pick(['A', 'B', 'C'])}`, 1],
      ]);
    },
    officePhone: (r) => `+1 ${r.pick(['206', '425', '212', '512', '312'])} 555 01${r.digits(2)}`,
    mobilePhone: (r) => `+1${r.pick(['206', '425', '917', '737'])}55501${r.digits(2)}`,
  },
  {
    name: 'Germany',
    iso: 'DE',
    company: 'Contoso Deutschland GmbH',
    weight: 15,
    cities: [
      { name: 'Berlin', postCode: range(10115, 10999) },
      { name: 'München', postCode: range(80331, 81929) },
      { name: 'Hamburg', postCode: range(20095, 22769) },
      { name: 'Köln', postCode: range(50667, 51149) },
      { name: 'Frankfurt am Main', postCode: range(60306, 60599) },
    ],
    street: (r) => {
      const street = `${r.pick(['Hauptstraße', 'Bahnhofstraße', 'Schillerstraße', 'Goethestraße', 'Am Weiher', 'Lindenallee'])} ${r.int(1, 180)}`;
      return r.weighted<string>([
        [street, 7],
        [`${street}, Hinterhaus`, 2],
        [`${street}, 3. OG`, 1],
      ]);
    },
    officePhone: (r) => `+49 ${r.pick(['30', '89', '40', '221', '69'])} ${r.digits(7)}`,
    mobilePhone: (r) => `+49${r.pick(['151', '160', '170', '176'])}${r.digits(8)}`,
  },
  {
    name: 'France',
    iso: 'FR',
    company: 'Contoso France SAS',
    weight: 12,
    cities: [
      { name: 'Paris', postCode: (r) => `750${String(r.int(1, 20)).padStart(2, '0')}` },
      { name: 'Lyon', postCode: (r) => `6900${r.int(1, 9)}` },
      { name: 'Lille', postCode: () => '59000' },
      { name: 'Toulouse', postCode: () => '31000' },
      { name: 'Nantes', postCode: () => '44000' },
    ],
    street: (r) => {
      const street = `${r.int(1, 150)}${r.chance(0.1) ? ' bis' : ''} ${r.pick(['rue de la Paix', 'avenue Jean Jaurès', 'boulevard Haussmann', "place de l'Église", 'rue du Faubourg Saint-Honoré', 'quai des Célestins'])}`;
      return r.weighted<string>([
        [street, 7],
        [`Bât. ${r.pick(['A', 'B', 'C'])}, ${street}`, 3],
      ]);
    },
    officePhone: (r) => `+33 1 99 00 ${r.digits(2)} ${r.digits(2)}`,
    mobilePhone: (r) => `+3363998${r.digits(4)}`,
  },
  {
    name: 'Netherlands',
    iso: 'NL',
    company: 'Contoso Nederland B.V.',
    weight: 10,
    cities: [
      { name: 'Amsterdam', postCode: nlPostCode(1011, 1109) },
      { name: 'Rotterdam', postCode: nlPostCode(3011, 3089) },
      { name: 'Utrecht', postCode: nlPostCode(3511, 3585) },
      { name: 'Eindhoven', postCode: nlPostCode(5611, 5658) },
    ],
    street: (r) => {
      const street = `${r.pick(['Keizersgracht', 'Prinsengracht', 'Herengracht', 'Stationsplein', 'Dorpsstraat', 'Willem de Zwijgerlaan'])} ${r.int(1, 400)}`;
      return r.weighted<string>([
        [street, 7],
        [`${street}-hs`, 1],
        [`${street}, 3e etage`, 2],
      ]);
    },
    officePhone: (r) => `+31 20 ${r.digits(3)} ${r.digits(4)}`,
    mobilePhone: (r) => `+316${r.digits(8)}`,
  },
  {
    name: 'Spain',
    iso: 'ES',
    company: 'Contoso Iberia, S.L.',
    weight: 8,
    cities: [
      { name: 'Madrid', postCode: range(28001, 28055) },
      { name: 'Barcelona', postCode: range(8001, 8042) },
      { name: 'Valencia', postCode: range(46001, 46026) },
      { name: 'Sevilla', postCode: range(41001, 41020) },
    ],
    street: (r) => {
      const street = `${r.pick(['Calle de Alcalá', 'Avenida de la Constitución', 'Paseo de Gracia', 'Calle Mayor', 'Gran Vía'])} ${r.int(1, 220)}`;
      return r.weighted<string>([
        [street, 6],
        [`${street}, ${r.int(1, 9)}º ${r.pick(['A', 'B', 'C', 'D'])}`, 4],
      ]);
    },
    officePhone: (r) => `+34 91 ${r.digits(3)} ${r.digits(2)} ${r.digits(2)}`,
    mobilePhone: (r) => `+346${r.digits(8)}`,
  },
];

/** Personal addresses use the domains reserved for documentation, never a real mail provider. */
export const PERSONAL_DOMAINS: readonly string[] = ['example.com', 'example.net', 'example.org'];
