import { mount } from '@vue/test-utils';
import { Chart } from 'chart.js';
import RevenueChart from '../../src/components/revenue/RevenueChart.vue';
import { flush } from '../support/helpers';

describe('the revenue chart', () => {
  it('draws target, actual to date and projection per Area with only the registered parts', async () => {
    const wrapper = mount(RevenueChart, {
      propsData: {
        areas: [
          { area: 'France', target: '100.00', actual_to_date: '40.00', projected_total: '90.00' },
          { area: 'UK', target: null, actual_to_date: '10.00', projected_total: '20.00' },
        ],
      },
      attachTo: document.body,
    });
    await flush();
    const chart = Chart.getChart(wrapper.find('canvas').element);
    expect(chart.config.type).toBe('bar');
    expect(chart.data.labels).toEqual(['France', 'UK']);
    expect(chart.data.datasets.map((d) => [d.label, d.data])).toEqual([
      ['Target', [100, null]],
      ['Actual to date', [40, 10]],
      ['Projection', [90, 20]],
    ]);
    expect(chart.options.scales.y.ticks.callback(1500)).toBe('€1,500');
    expect(chart.options.plugins.tooltip.callbacks.label({ dataset: { label: 'Target' }, parsed: { y: 12.5 } })).toBe('Target: €12.50');
    expect(Chart.registry.getElement('bar')).toBeDefined();
    expect(() => Chart.registry.getElement('line')).toThrow(); // not registered: not in the bundle
    wrapper.destroy();
  });
});
