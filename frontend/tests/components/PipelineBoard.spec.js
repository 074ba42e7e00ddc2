import PipelineBoard from '../../src/components/opportunities/PipelineBoard.vue';
import { allByTestId, byTestId, errorBody, flush, mockApi, mountAt } from '../support/helpers';
import { opportunity } from '../support/factories';

function dataTransfer() {
  const store = {};
  return {
    setData: (type, value) => {
      store[type] = value;
    },
    getData: (type) => store[type] || '',
    effectAllowed: '',
    dropEffect: '',
  };
}

async function mountBoard(opportunities, canWrite = true) {
  return mountAt(PipelineBoard, '/opportunities?view=board', { propsData: { opportunities, canWrite }, attachTo: document.body });
}

const column = (wrapper, status) => byTestId(wrapper, `board-column-${status}`);
const cardsIn = (wrapper, status) => column(wrapper, status).findAll('[data-testid="board-card"]');

describe('the pipeline board', () => {
  let mock;
  let wrapper;
  beforeEach(() => {
    mock = mockApi();
  });
  afterEach(() => {
    mock.restore();
    if (wrapper) wrapper.destroy();
    wrapper = null;
  });

  it('has one column per status, in pipeline order, with counts and monthly totals', async () => {
    ({ wrapper } = await mountBoard([
      opportunity({ opportunity_status: 'prospecting', monthly_estimated_revenue: '0.10' }),
      opportunity({ opportunity_status: 'prospecting', monthly_estimated_revenue: '0.20' }),
      opportunity({ opportunity_status: 'won', monthly_estimated_revenue: '1000000.00', estimated_delivery_date: '2027-03-01' }),
    ]));
    const headings = wrapper.findAll('h2').wrappers.map((h) => h.text().replace(/\s+/g, ' '));
    expect(headings).toEqual(['Prospecting 2', 'Qualification 0', 'Proposal 0', 'Negotiation 0', 'Won 1', 'Lost 0']);
    expect(column(wrapper, 'prospecting').find('[data-testid="board-column-total"]').text()).toBe('€0.30 / month');
    expect(column(wrapper, 'won').find('[data-testid="board-column-total"]').text()).toBe('€1,000,000.00 / month');
    const card = cardsIn(wrapper, 'won').at(0);
    expect(card.text()).toContain('CID 5987');
    expect(card.text()).toContain('1 Mar 2027');
    expect(card.text()).toContain('Updated 3 days ago');
    expect(cardsIn(wrapper, 'prospecting').at(0).text()).toContain('Updated 3 days ago');
  });

  it('renders 300 cards', async () => {
    const many = Array.from({ length: 300 }, (_, i) => opportunity({ opportunity_status: ['prospecting', 'proposal', 'won'][i % 3] }));
    ({ wrapper } = await mountBoard(many));
    expect(allByTestId(wrapper, 'board-card')).toHaveLength(300);
    expect(byTestId(wrapper, 'board-card-menu').exists()).toBe(false); // menus render only when opened
  });

  it('moves a card by drag and drop: PATCH with If-Match, new version kept', async () => {
    const opp = opportunity({ opportunity_status: 'proposal', version: 4 });
    mock.onPatch(`/api/opportunities/${opp.oid}`).reply(200, { ...opp, opportunity_status: 'negotiation', probability: 75, version: 5 });
    ({ wrapper } = await mountBoard([opp]));
    const transfer = dataTransfer();
    await cardsIn(wrapper, 'proposal').at(0).trigger('dragstart', { dataTransfer: transfer });
    await column(wrapper, 'negotiation').trigger('dragover', { dataTransfer: transfer });
    expect(column(wrapper, 'negotiation').classes()).toContain('drop-target');
    await column(wrapper, 'negotiation').trigger('drop', { dataTransfer: transfer });
    expect(cardsIn(wrapper, 'negotiation')).toHaveLength(1); // at once, before the answer
    expect(cardsIn(wrapper, 'negotiation').at(0).attributes('aria-busy')).toBe('true');
    await flush();
    expect(mock.history.patch[0].headers['If-Match']).toBe('"4"');
    expect(JSON.parse(mock.history.patch[0].data)).toEqual({ opportunity_status: 'negotiation' });
    expect(cardsIn(wrapper, 'negotiation').at(0).attributes('aria-busy')).toBe('false');
    expect(byTestId(wrapper, 'board-announcement').text()).toContain('moved to Negotiation');
    expect(wrapper.emitted('updated')[0][0].version).toBe(5);
  });

  it('ignores a drop on the same column, and drags that end outside', async () => {
    const opp = opportunity({ opportunity_status: 'proposal' });
    ({ wrapper } = await mountBoard([opp]));
    const transfer = dataTransfer();
    await column(wrapper, 'won').trigger('dragover', { dataTransfer: transfer }); // nothing dragged
    expect(column(wrapper, 'won').classes()).not.toContain('drop-target');
    await cardsIn(wrapper, 'proposal').at(0).trigger('dragstart', { dataTransfer: transfer });
    await column(wrapper, 'won').trigger('dragover', { dataTransfer: transfer });
    await column(wrapper, 'won').trigger('dragleave');
    expect(column(wrapper, 'won').classes()).not.toContain('drop-target');
    await cardsIn(wrapper, 'proposal').at(0).trigger('dragend');
    await column(wrapper, 'proposal').trigger('drop', { dataTransfer: transfer });
    await flush();
    expect(mock.history.patch).toHaveLength(0);
  });

  it('puts the card back and shows the API\'s 409 when the status is final', async () => {
    const opp = opportunity({ opportunity_status: 'won', name: 'Big deal' });
    mock.onPatch(`/api/opportunities/${opp.oid}`).reply(409, errorBody(409, 'The opportunity is won: its status is final.', {
      json: { opportunity_status: ['The opportunity is won: its status is final.'] },
    }));
    ({ wrapper } = await mountBoard([opp]));
    const transfer = dataTransfer();
    await cardsIn(wrapper, 'won').at(0).trigger('dragstart', { dataTransfer: transfer });
    await column(wrapper, 'negotiation').trigger('dragover', { dataTransfer: transfer });
    await column(wrapper, 'negotiation').trigger('drop', { dataTransfer: transfer });
    await flush();
    expect(cardsIn(wrapper, 'won')).toHaveLength(1);
    expect(cardsIn(wrapper, 'negotiation')).toHaveLength(0);
    const error = byTestId(wrapper, 'board-error');
    expect(error.attributes('role')).toBe('alert');
    expect(error.text()).toContain('Big deal was not moved');
    expect(error.text()).toContain('(HTTP 409)');
    expect(byTestId(wrapper, 'board-error-message').text()).toBe('The opportunity is won: its status is final.');
    await error.find('button.close').trigger('click');
    expect(byTestId(wrapper, 'board-error').exists()).toBe(false);
  });

  it('on 412 puts the card back, re-reads it and shows the latest version', async () => {
    const opp = opportunity({ opportunity_status: 'proposal', version: 4, monthly_estimated_revenue: '10.00' });
    mock.onPatch(`/api/opportunities/${opp.oid}`).reply(412, errorBody(412, 'The opportunity changed since version 4.'));
    mock.onGet(`/api/opportunities/${opp.oid}`).reply(200, { ...opp, opportunity_status: 'qualification', version: 6, monthly_estimated_revenue: '99.00' });
    ({ wrapper } = await mountBoard([opp]));
    await byTestId(wrapper, 'board-card-move').trigger('click');
    await flush();
    await byTestId(wrapper, 'board-move-won').trigger('click');
    await flush();
    expect(byTestId(wrapper, 'board-error-message').text()).toBe(
      'The opportunity changed since version 4. The card now shows the latest version.',
    );
    expect(cardsIn(wrapper, 'qualification')).toHaveLength(1);
    expect(cardsIn(wrapper, 'qualification').at(0).text()).toContain('€99.00');
    // The next move uses the version just read.
    mock.onPatch(`/api/opportunities/${opp.oid}`).reply(200, { ...opp, opportunity_status: 'won', version: 7 });
    await byTestId(wrapper, 'board-card-move').trigger('click');
    await flush();
    await byTestId(wrapper, 'board-move-won').trigger('click');
    await flush();
    expect(mock.history.patch[1].headers['If-Match']).toBe('"6"');
  });

  it('says when the re-read after a 412 fails too', async () => {
    const opp = opportunity({ opportunity_status: 'proposal' });
    mock.onPatch(`/api/opportunities/${opp.oid}`).reply(412, errorBody(412, 'Changed.'));
    mock.onGet(`/api/opportunities/${opp.oid}`).reply(404, errorBody(404, 'Gone.'));
    ({ wrapper } = await mountBoard([opp]));
    await byTestId(wrapper, 'board-card-move').trigger('click');
    await flush();
    await byTestId(wrapper, 'board-move-lost').trigger('click');
    await flush();
    expect(byTestId(wrapper, 'board-error-message').text()).toBe('Changed. It could not be reloaded: Gone.');
    expect(cardsIn(wrapper, 'proposal')).toHaveLength(1);
  });

  it('shows a 403 or an outage, and puts the card back', async () => {
    const opp = opportunity({ opportunity_status: 'proposal' });
    mock.onPatch(`/api/opportunities/${opp.oid}`).replyOnce(403, errorBody(403, 'This token is read-only.'));
    ({ wrapper } = await mountBoard([opp]));
    await byTestId(wrapper, 'board-card-move').trigger('click');
    await flush();
    await byTestId(wrapper, 'board-move-won').trigger('click');
    await flush();
    expect(byTestId(wrapper, 'board-error-message').text()).toBe('This token is read-only.');
    expect(cardsIn(wrapper, 'proposal')).toHaveLength(1);
    expect(byTestId(wrapper, 'board-announcement').text()).toContain('stays in Proposal');
  });

  describe('the keyboard menu', () => {
    it('opens on the button, lists the other statuses, and focuses the first', async () => {
      const opp = opportunity({ opportunity_status: 'proposal', name: 'Deal X' });
      ({ wrapper } = await mountBoard([opp]));
      const button = byTestId(wrapper, 'board-card-move');
      expect(button.attributes('aria-haspopup')).toBe('menu');
      expect(button.text()).toContain('Move Deal X to');
      await button.trigger('click');
      await flush();
      expect(button.attributes('aria-expanded')).toBe('true');
      const menu = byTestId(wrapper, 'board-card-menu');
      expect(menu.attributes('role')).toBe('menu');
      const items = menu.findAll('[role="menuitem"]');
      expect(items.wrappers.map((i) => i.text())).toEqual(['Prospecting', 'Qualification', 'Negotiation', 'Won', 'Lost']);
      expect(document.activeElement).toBe(items.at(0).element);
    });

    it('moves through the items with the arrow keys, Home and End, wrapping around', async () => {
      ({ wrapper } = await mountBoard([opportunity({ opportunity_status: 'proposal' })]));
      await byTestId(wrapper, 'board-card-move').trigger('click');
      await flush();
      const menu = byTestId(wrapper, 'board-card-menu');
      const items = menu.findAll('[role="menuitem"]');
      await menu.trigger('keydown', { key: 'ArrowDown' });
      expect(document.activeElement).toBe(items.at(1).element);
      await menu.trigger('keydown', { key: 'ArrowUp' });
      await menu.trigger('keydown', { key: 'ArrowUp' });
      expect(document.activeElement).toBe(items.at(4).element);
      await menu.trigger('keydown', { key: 'Home' });
      expect(document.activeElement).toBe(items.at(0).element);
      await menu.trigger('keydown', { key: 'End' });
      expect(document.activeElement).toBe(items.at(4).element);
      await menu.trigger('keydown', { key: 'x' });
      expect(document.activeElement).toBe(items.at(4).element);
    });

    it('closes on Escape and gives focus back to its button', async () => {
      ({ wrapper } = await mountBoard([opportunity({ opportunity_status: 'proposal' })]));
      await byTestId(wrapper, 'board-card-move').trigger('click');
      await flush();
      await byTestId(wrapper, 'board-card-menu').trigger('keydown', { key: 'Escape' });
      await flush();
      expect(byTestId(wrapper, 'board-card-menu').exists()).toBe(false);
      expect(document.activeElement).toBe(byTestId(wrapper, 'board-card-move').element);
    });

    it('moves the card with Enter on an item and keeps the focus on it in its new column', async () => {
      const opp = opportunity({ opportunity_status: 'proposal' });
      mock.onPatch(`/api/opportunities/${opp.oid}`).reply(200, { ...opp, opportunity_status: 'won', probability: 100, version: 5 });
      ({ wrapper } = await mountBoard([opp]));
      await byTestId(wrapper, 'board-card-move').trigger('click');
      await flush();
      await byTestId(wrapper, 'board-move-won').trigger('click');
      await flush();
      expect(cardsIn(wrapper, 'won')).toHaveLength(1);
      expect(document.activeElement).toBe(cardsIn(wrapper, 'won').at(0).find('.move-button').element);
    });

    it('keeps one menu open at a time, and the button toggles it', async () => {
      ({ wrapper } = await mountBoard([opportunity(), opportunity()]));
      const buttons = allByTestId(wrapper, 'board-card-move');
      await buttons.at(0).trigger('click');
      await buttons.at(1).trigger('click');
      await flush();
      expect(allByTestId(wrapper, 'board-card-menu')).toHaveLength(1);
      await buttons.at(1).trigger('click');
      await flush();
      expect(allByTestId(wrapper, 'board-card-menu')).toHaveLength(0);
    });
  });

  it('follows a new list from its page', async () => {
    ({ wrapper } = await mountBoard([opportunity()]));
    await wrapper.setProps({ opportunities: [opportunity(), opportunity(), opportunity({ opportunity_status: 'bogus' })] });
    expect(allByTestId(wrapper, 'board-card')).toHaveLength(3);
    expect(cardsIn(wrapper, 'prospecting')).toHaveLength(1); // an unknown status lands in the first column
  });
});

describe('a board card\'s links', () => {
  it('navigate inside the app on a plain click and leave modified clicks to the browser', async () => {
    const opp = opportunity({ cid: 42 });
    const { wrapper, router } = await mountAt(PipelineBoard, '/opportunities?view=board', { propsData: { opportunities: [opp], canWrite: false } });
    const customer = byTestId(wrapper, 'board-card-customer');
    expect(customer.attributes('href')).toBe('/customers/42');
    await customer.trigger('click', { button: 0, ctrlKey: true });
    expect(router.currentRoute.path).toBe('/opportunities');
    await byTestId(wrapper, 'board-card-title').trigger('click', { button: 0 });
    await flush();
    expect(router.currentRoute.path).toBe(`/opportunities/${opp.oid}`);
    wrapper.destroy();
  });
});
