import { mountPage } from '../shell';
import { Join } from '../pages/Join';

mountPage(Join, { wide: true });
