// The organisation: divisions, their departments, and the titles people hold in them.
// Titles such as "Manager, Payroll" carry commas on purpose: they must be quoted in CSV.

export interface Department {
  name: string;
  division: string;
  /** Cost centres are numbered per department, one per country entity. */
  costBase: number;
  titles: readonly string[];
  managerTitle: string;
}

export const DEPARTMENTS: readonly Department[] = [
  {
    name: 'Finance',
    division: 'Corporate',
    costBase: 1100,
    titles: ['Accountant', 'Financial Analyst', 'Specialist, Accounts Payable', 'Payroll Administrator'],
    managerTitle: 'Manager, Payroll',
  },
  {
    name: 'Human Resources',
    division: 'Corporate',
    costBase: 1200,
    titles: ['HR Business Partner', 'Recruiter', 'Coordinator, Learning & Development'],
    managerTitle: 'Head of People',
  },
  { name: 'Legal', division: 'Corporate', costBase: 1300, titles: ['Legal Counsel', 'Paralegal'], managerTitle: 'General Counsel, Europe' },
  {
    name: 'Sales',
    division: 'Sales & Marketing',
    costBase: 2100,
    titles: ['Account Executive', 'Sales Development Representative', 'Manager, Key Accounts'],
    managerTitle: 'Director, Sales',
  },
  { name: 'Marketing', division: 'Sales & Marketing', costBase: 2200, titles: ['Marketing Specialist', 'Content Designer'], managerTitle: 'Director, Brand & Communications' },
  {
    name: 'Customer Success',
    division: 'Sales & Marketing',
    costBase: 2300,
    titles: ['Customer Success Manager', 'Support Engineer, Tier 2'],
    managerTitle: 'Head of Customer Success',
  },
  {
    name: 'Engineering',
    division: 'Technology',
    costBase: 3100,
    titles: ['Software Engineer', 'Senior Software Engineer', 'Engineer, Site Reliability'],
    managerTitle: 'Engineering Manager',
  },
  { name: 'IT', division: 'Technology', costBase: 3200, titles: ['IT Support Analyst', 'Systems Administrator'], managerTitle: 'Manager, IT Operations' },
  { name: 'Data & Analytics', division: 'Technology', costBase: 3300, titles: ['Data Analyst', 'Data Engineer'], managerTitle: 'Head of Data' },
  { name: 'Logistics', division: 'Operations', costBase: 4100, titles: ['Warehouse Operative', 'Planner, Supply Chain'], managerTitle: 'Manager, Logistics' },
  { name: 'Procurement', division: 'Operations', costBase: 4200, titles: ['Buyer', 'Category Manager, Indirect Spend'], managerTitle: 'Head of Procurement' },
  { name: 'Facilities', division: 'Operations', costBase: 4300, titles: ['Facilities Coordinator', 'Receptionist'], managerTitle: 'Manager, Facilities & Workplace' },
  { name: 'Research', division: 'Research & Development', costBase: 5100, titles: ['Research Scientist', 'Lab Technician'], managerTitle: 'Director, Research' },
  { name: 'Product', division: 'Research & Development', costBase: 5200, titles: ['Product Manager', 'UX Researcher'], managerTitle: 'Head of Product' },
];

export const EXECUTIVE: Department = {
  name: 'Executive Office',
  division: 'Corporate',
  costBase: 1000,
  // The CEO's own team: one of each, in this order.
  titles: [
    'Chief Financial Officer',
    'Chief People Officer',
    'Chief Technology Officer',
    'Chief Operating Officer',
    'Chief Revenue Officer',
    'General Counsel',
    'Executive Assistant',
  ],
  managerTitle: 'Chief Executive Officer',
};

// Job codes are fixed per title, as in a real job catalogue, so the same title always has the same code.
const JOB_CODES = new Map<string, string>();
for (const dept of [EXECUTIVE, ...DEPARTMENTS]) {
  for (const title of [dept.managerTitle, ...dept.titles, `Intern, ${dept.name}`]) {
    if (!JOB_CODES.has(title)) JOB_CODES.set(title, `J${String(1001 + JOB_CODES.size * 7).padStart(4, '0')}`);
  }
}

export function jobCode(title: string): string {
  const code = JOB_CODES.get(title);
  if (code === undefined) throw new RangeError(`no job code for title ${JSON.stringify(title)}`);
  return code;
}
