import Vue from 'vue';
import 'bootstrap/dist/css/bootstrap.css';
import 'bootstrap-vue/dist/bootstrap-vue.css';
import './styles/theme.css';
import App from './App.vue';
import { createRouter } from './router';

Vue.config.productionTip = false;

new Vue({
  router: createRouter(),
  render: (h) => h(App),
}).$mount('#app');
